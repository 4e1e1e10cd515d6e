// Placeholder registrations for subcommands not built yet; replaced by their own files.
#include "commands.h"

namespace mp4kit::cli {
#ifndef MP4KIT_HAVE_SEEK_CMD
void register_seek(CLI::App&, std::function<int()>&) {}
#endif
}  // namespace mp4kit::cli
