#include "appliance/cli/cli.h"

int main(int argc, char** argv) { return loupe::appliance::cli::Main(argc, argv); }
