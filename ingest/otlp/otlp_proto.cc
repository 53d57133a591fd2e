#include "ingest/otlp/otlp_proto.h"

#include <google/protobuf/io/coded_stream.h>

#include <climits>

namespace loupe::ingest::otlp {

Status DecodeProto(std::string_view body, google::protobuf::MessageLite* out,
                   const ProtoDecodeLimits& limits) {
  out->Clear();
  if (body.size() > limits.max_body_bytes) {
    return Status::TooLarge("OTLP protobuf body of " + std::to_string(body.size()) +
                            " bytes exceeds the limit of " + std::to_string(limits.max_body_bytes) +
                            " bytes");
  }
  if (body.size() > static_cast<size_t>(INT_MAX)) {
    return Status::TooLarge("OTLP protobuf body exceeds 2 GiB");
  }
  google::protobuf::io::CodedInputStream in(reinterpret_cast<const uint8_t*>(body.data()),
                                            static_cast<int>(body.size()));
  in.SetRecursionLimit(limits.max_recursion_depth);
  // MergePartialFromCodedStream stops at an end-group tag or at the end of input; only the
  // latter is a complete message.
  if (!out->MergePartialFromCodedStream(&in) || !in.ConsumedEntireMessage() ||
      in.CurrentPosition() != static_cast<int>(body.size())) {
    out->Clear();
    return Status::InvalidArgument("failed to decode OTLP protobuf " + out->GetTypeName() +
                                   ": malformed wire data, nesting deeper than " +
                                   std::to_string(limits.max_recursion_depth) +
                                   " levels, or invalid UTF-8 in a string field");
  }
  return Status::OK();
}

}  // namespace loupe::ingest::otlp
