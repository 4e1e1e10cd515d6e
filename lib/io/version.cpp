#include "mp4kit/version.h"

namespace mp4kit {

const char* version() { return MP4KIT_VERSION; }

}  // namespace mp4kit
