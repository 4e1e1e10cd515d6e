// Placeholder registrations for subcommands not built yet; replaced by their own files.
#include "commands.h"

namespace mp4kit::cli {
}  // namespace mp4kit::cli
