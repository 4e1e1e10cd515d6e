// open_source() (include/mp4kit/byte_source.h): a path is mapped (lib/io/mapped_file), a URL
// goes to the HTTP source (lib/io/http_source) over the transport module mp4kit_http.so,
// which is loaded here on the first URL only: a local file never loads libcurl.
#include "io/http_source.h"
#include "mp4kit/byte_source.h"
#include "pipeline/module_loader.h"

namespace mp4kit {

Result<ByteSourcePtr> open_source(const std::string& path_or_url, const SourceOptions& options) {
  if (!is_url(path_or_url)) return open_file(path_or_url, options.file);
  constexpr pipeline::ModuleSpec kHttpModule{"mp4kit_http.so", "MP4KIT_HTTP_MODULE", "HTTP module"};
  auto api = pipeline::module_table<mp4kit_http_api>(kHttpModule, MP4KIT_HTTP_ENTRY, MP4KIT_HTTP_ABI_VERSION);
  if (!api.ok()) return api.error();
  return io::open_http_source(**api, path_or_url, options.http);
}

}  // namespace mp4kit
