// MP4KIT_BENCH_SEEK: placeholder until seek mode is wired.
#include "decode/bench_job.h"

namespace mp4kit::decode {

int run_seek(const mp4kit_bench_request*, mp4kit_bench_result* rp) {
  return bench_fail(rp, make_error(ErrorCode::kInternal, "", 0, "seek work is not built into this module"));
}

}  // namespace mp4kit::decode
