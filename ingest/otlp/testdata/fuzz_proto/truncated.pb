
´
b

s