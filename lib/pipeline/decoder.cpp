// The C++ handles of include/mp4kit/decoder.h over the decode module's C ABI.
#include "mp4kit/decoder.h"

#include <mutex>

#include "pipeline/codec_abi.h"
#include "pipeline/module_loader.h"

namespace mp4kit {

mp4kit_codec_parameters pipeline::abi_codec_parameters(const CodecParameters& codec) {
  mp4kit_codec_parameters p{};
  p.struct_size = sizeof p;
  p.codec_name = codec.codec_name.c_str();
  p.media_type = codec.type == MediaType::kVideo ? MP4KIT_MEDIA_VIDEO : codec.type == MediaType::kAudio ? MP4KIT_MEDIA_AUDIO : -1;
  p.codec_tag = codec.codec_tag;
  p.extradata = codec.extradata.empty() ? nullptr : codec.extradata.data();
  p.extradata_size = static_cast<uint32_t>(codec.extradata.size());
  p.width = codec.width;
  p.height = codec.height;
  p.bits_per_coded_sample = codec.bits_per_coded_sample;
  p.sar_num = codec.sar_num;
  p.sar_den = codec.sar_den;
  p.sample_rate = codec.sample_rate;
  p.channels = codec.channels;
  p.block_align = codec.block_align;
  p.initial_padding = codec.initial_padding;
  p.seek_preroll = codec.seek_preroll;
  p.time_base_num = static_cast<int32_t>(codec.time_base.num);
  p.time_base_den = static_cast<int32_t>(codec.time_base.den);
  p.skip_samples = codec.skip_samples;
  p.color_range = codec.color_range;
  p.color_primaries = codec.color_primaries;
  p.color_trc = codec.color_trc;
  p.colorspace = codec.color_space;
  return p;
}

namespace {

constexpr pipeline::ModuleSpec kDecodeModule{"mp4kit_decode.so", "MP4KIT_DECODE_MODULE", "decode module"};

// Same major, at least our minor (minors only append functions to the table).
bool accepts(uint32_t version) {
  const int64_t major = version >> 16, minor = version & 0xFFFF;
  return major == MP4KIT_DECODE_API_MAJOR && minor - int64_t{MP4KIT_DECODE_API_MINOR} >= 0;
}

std::string version_text(uint32_t v) { return std::to_string(v >> 16) + "." + std::to_string(v & 0xFFFF); }

// The module's error as an Error (its message is already the whole line), freeing it.
Error take_error(const mp4kit_decode_api* api, mp4kit_error& e, int32_t status) {
  Error out;
  out.code = static_cast<ErrorCode>(e.code ? e.code : status);
  out.message = e.message ? e.message : "decode module error " + std::to_string(status) + " (no message)";
  out.offset = e.offset > 0 ? static_cast<uint64_t>(e.offset) : 0;
  api->error_clear(&e);
  return out;
}

Result<const mp4kit_decode_api*> api() {
  auto m = DecodeModule::load();
  if (!m.ok()) return m.error();
  return &(*m)->api();
}

// The packet's Buffer, kept alive for the decoder: freed by the module's release call.
void release_buffer(void* opaque) { delete static_cast<Buffer*>(opaque); }

}  // namespace

// --- DecodeModule ---------------------------------------------------------------------

Result<const DecodeModule*> DecodeModule::load() {
  static std::mutex mutex;
  static const DecodeModule* module = nullptr;
  std::lock_guard<std::mutex> lock(mutex);
  if (module) return module;
  auto sym = pipeline::module_symbol(kDecodeModule, MP4KIT_DECODE_ENTRY);
  if (!sym.ok()) return sym.error();
  using Entry = const mp4kit_decode_api* (*)();
  const mp4kit_decode_api* table = reinterpret_cast<Entry>(*sym)();
  const std::string path = pipeline::module_path(kDecodeModule);
  const std::string fix = " (rebuild mp4kit and its module together: `cmake --build build`)";
  if (!table) return make_error(ErrorCode::kInternal, "", 0, "the decode module " + path + " returned no function table" + fix);
  if (!accepts(table->api_version))
    return make_error(ErrorCode::kInternal, "", 0,
                      "the decode module " + path + " has API version " + version_text(table->api_version) +
                          ", this mp4kit needs " + version_text(MP4KIT_DECODE_API_VERSION) + " or a later " +
                          std::to_string(MP4KIT_DECODE_API_MAJOR) + ".x" + fix);
  if (table->struct_size < sizeof(mp4kit_decode_api))
    return make_error(ErrorCode::kInternal, "", 0,
                      "the decode module " + path + " has a function table of " + std::to_string(table->struct_size) +
                          " bytes, this mp4kit needs " + std::to_string(sizeof(mp4kit_decode_api)) + fix);
  module = new DecodeModule(table, path);  // process-wide, like the module itself
  return module;
}

std::string DecodeModule::library_versions() const { return api_->library_versions(); }

// --- Frame ------------------------------------------------------------------------------

Frame& Frame::operator=(Frame&& o) noexcept {
  if (this != &o) {
    reset();
    api_ = o.api_;
    frame_ = o.frame_;
    o.frame_ = nullptr;
  }
  return *this;
}

void Frame::reset() {
  if (frame_) api_->frame_release(frame_);
  frame_ = nullptr;
}

mp4kit_frame_info Frame::info() const {
  mp4kit_frame_info info{};
  info.struct_size = sizeof info;
  info.packet_index = -1;
  if (frame_) api_->frame_info(frame_, &info);
  return info;
}

Result<Frame> Frame::clone() const {
  if (!frame_) return make_error(ErrorCode::kUsage, "", 0, "clone of an empty Frame");
  Frame copy;
  copy.api_ = api_;
  copy.frame_ = api_->frame_ref(frame_);
  if (!copy.frame_) return make_error(ErrorCode::kInternal, "", 0, "out of memory holding a frame");
  return copy;
}

Result<Frame::PackedMd5> Frame::packed_md5() const {
  if (!frame_) return make_error(ErrorCode::kUsage, "", 0, "packed_md5 of an empty Frame");
  char hex[33] = {};
  PackedMd5 out;
  mp4kit_error e{};
  if (const int32_t st = api_->frame_packed_md5(frame_, hex, &out.size, &e); st != MP4KIT_OK) return take_error(api_, e, st);
  out.md5 = hex;
  return out;
}

// --- Decoder ----------------------------------------------------------------------------

Result<Decoder> Decoder::open(const CodecParameters& codec, const DecoderSettings& settings) {
  auto a = api();
  if (!a.ok()) return a.error();
  const mp4kit_decode_api* t = *a;
  if (codec.type != MediaType::kVideo && codec.type != MediaType::kAudio)
    return make_error(ErrorCode::kUsage, "", 0, std::string("cannot decode a ") + media_type_name(codec.type) + " stream");
  if (codec.codec_name.empty()) return make_error(ErrorCode::kMalformed, "", 0, "the stream's codec has no FFmpeg decoder name");
  const mp4kit_codec_parameters p = pipeline::abi_codec_parameters(codec);
  mp4kit_decoder_settings s{};
  t->decoder_default_settings(&s);
  s.threads = settings.threads;
  s.strict = settings.strict ? 1 : 0;
  s.packet_copy = settings.packet_copy == PacketCopy::kAlways  ? int32_t{MP4KIT_PACKET_COPY_ALWAYS}
                  : settings.packet_copy == PacketCopy::kNever ? int32_t{MP4KIT_PACKET_COPY_NEVER}
                                                               : int32_t{MP4KIT_PACKET_COPY_AUTO};
  s.frames_held = settings.frames_held;
  s.packet_size_hint = settings.packet_size_hint;
  mp4kit_decoder* d = nullptr;
  mp4kit_error e{};
  if (const int32_t st = t->decoder_open(&p, &s, &d, &e); st != MP4KIT_OK) return take_error(t, e, st);
  return Decoder(t, d);
}

Decoder& Decoder::operator=(Decoder&& o) noexcept {
  if (this != &o) {
    if (dec_) api_->decoder_close(dec_);
    api_ = o.api_;
    dec_ = o.dec_;
    o.dec_ = nullptr;
  }
  return *this;
}

Decoder::~Decoder() {
  if (dec_) api_->decoder_close(dec_);
}

Result<Decoder::Progress> Decoder::send(const Packet& packet, Buffer&& data, int64_t index) {
  mp4kit_packet p{};
  p.struct_size = sizeof p;
  p.data = data.data();
  p.size = static_cast<uint32_t>(std::min<uint64_t>(data.size(), UINT32_MAX));
  p.flags = (packet.key ? uint32_t{MP4KIT_PACKET_KEY} : 0u) | (packet.discard ? uint32_t{MP4KIT_PACKET_DISCARD} : 0u) |
            (packet.truncated ? uint32_t{MP4KIT_PACKET_CORRUPT} : 0u);
  p.tail = data.tail();
  p.pts = packet.pts;
  p.dts = packet.dts;
  p.duration = packet.duration;
  p.pos = static_cast<int64_t>(packet.pos);
  p.index = index;
  auto* holder = new Buffer(std::move(data));
  p.release = &release_buffer;
  p.release_opaque = holder;
  mp4kit_error e{};
  const int32_t st = api_->decoder_send(dec_, &p, &e);
  if (st == MP4KIT_AGAIN) {  // not taken: the bytes go back to the caller
    data = std::move(*holder);
    delete holder;
    return Progress::kAgain;
  }
  if (st != MP4KIT_OK) return take_error(api_, e, st);
  return Progress::kOk;
}

Status Decoder::flush() {
  mp4kit_error e{};
  if (const int32_t st = api_->decoder_send(dec_, nullptr, &e); st != MP4KIT_OK) return take_error(api_, e, st);
  return Ok{};
}

Result<Decoder::Progress> Decoder::receive(Frame& frame) {
  frame.reset();
  mp4kit_frame* f = nullptr;
  mp4kit_error e{};
  const int32_t st = api_->decoder_receive(dec_, &f, &e);
  if (st == MP4KIT_AGAIN) return Progress::kAgain;
  if (st == MP4KIT_END) return Progress::kEnd;
  if (st != MP4KIT_OK) return take_error(api_, e, st);
  frame.api_ = api_;
  frame.frame_ = f;
  return Progress::kOk;
}

void Decoder::reset() { api_->decoder_reset(dec_); }

mp4kit_decoder_stats Decoder::stats() const {
  mp4kit_decoder_stats s{};
  s.struct_size = sizeof s;
  api_->decoder_stats(dec_, &s);
  return s;
}

std::string Decoder::codec() const { return api_->decoder_codec(dec_); }
std::string Decoder::first_error() const { return api_->decoder_first_error(dec_); }
std::string Decoder::first_log_message() const { return api_->decoder_first_log_message(dec_); }

// --- Sink -------------------------------------------------------------------------------

Result<Sink> Sink::open(const SinkSettings& settings) {
  auto a = api();
  if (!a.ok()) return a.error();
  const mp4kit_decode_api* t = *a;
  if (settings.media != MediaType::kVideo && settings.media != MediaType::kAudio)
    return make_error(ErrorCode::kUsage, "", 0, std::string("a sink takes video or audio frames, not ") + media_type_name(settings.media));
  mp4kit_sink_settings s{};
  t->sink_default_settings(&s);
  s.format = settings.format.c_str();
  s.path = settings.path.empty() ? nullptr : settings.path.c_str();
  s.media_type = settings.media == MediaType::kVideo ? MP4KIT_MEDIA_VIDEO : MP4KIT_MEDIA_AUDIO;
  s.stream_index = settings.stream_index;
  s.time_base_num = static_cast<int32_t>(settings.time_base.num);
  s.time_base_den = static_cast<int32_t>(settings.time_base.den);
  s.frame_rate_num = static_cast<int32_t>(settings.frame_rate.num);
  s.frame_rate_den = static_cast<int32_t>(settings.frame_rate.den);
  s.sar_num = settings.sar_num;
  s.sar_den = settings.sar_den;
  s.quality = settings.quality;
  mp4kit_sink* sink = nullptr;
  mp4kit_error e{};
  if (const int32_t st = t->sink_open(&s, &sink, &e); st != MP4KIT_OK) return take_error(t, e, st);
  return Sink(t, sink);
}

// --- Transform ------------------------------------------------------------------------

Result<Transform> Transform::open(const TransformSettings& settings) {
  auto a = api();
  if (!a.ok()) return a.error();
  const mp4kit_decode_api* t = *a;
  mp4kit_transform_settings s{};
  t->transform_default_settings(&s);
  s.width = settings.width;
  s.height = settings.height;
  s.max_side = settings.max_side;
  s.crop_width = settings.crop_width;
  s.crop_height = settings.crop_height;
  s.crop_x = settings.crop_x;
  s.crop_y = settings.crop_y;
  s.scaler = settings.scaler.c_str();
  s.pix_fmt = settings.pix_fmt.empty() ? nullptr : settings.pix_fmt.c_str();
  s.sink_format = settings.sink_format.c_str();
  s.rotation = settings.rotation;
  s.input_width = settings.input_width;
  s.input_height = settings.input_height;
  mp4kit_transform* out = nullptr;
  mp4kit_error e{};
  if (const int32_t st = t->transform_open(&s, &out, &e); st != MP4KIT_OK) return take_error(t, e, st);
  return Transform(t, out);
}

Transform& Transform::operator=(Transform&& o) noexcept {
  if (this != &o) {
    if (t_) api_->transform_close(t_);
    api_ = o.api_;
    t_ = o.t_;
    o.t_ = nullptr;
  }
  return *this;
}

Transform::~Transform() {
  if (t_) api_->transform_close(t_);
}

Result<Frame> Transform::apply(const Frame& in) {
  if (!t_ || !in) return make_error(ErrorCode::kUsage, "", 0, "Transform::apply: empty transform or frame");
  mp4kit_frame* f = nullptr;
  mp4kit_error e{};
  if (const int32_t st = api_->transform_apply(t_, in.get(), &f, &e); st != MP4KIT_OK) return take_error(api_, e, st);
  Frame out;
  out.api_ = api_;
  out.frame_ = f;
  return out;
}

mp4kit_transform_info Transform::info() const {
  mp4kit_transform_info i{};
  i.struct_size = sizeof i;
  if (t_) api_->transform_info(t_, &i);
  return i;
}

Sink& Sink::operator=(Sink&& o) noexcept {
  if (this != &o) {
    if (sink_) api_->sink_close(sink_);
    api_ = o.api_;
    sink_ = o.sink_;
    o.sink_ = nullptr;
  }
  return *this;
}

Sink::~Sink() {
  if (sink_) api_->sink_close(sink_);
}

Status Sink::write(const Frame& frame) {
  if (!frame) return make_error(ErrorCode::kUsage, "", 0, "Sink::write of an empty Frame");
  mp4kit_error e{};
  if (const int32_t st = api_->sink_write(sink_, frame.get(), &e); st != MP4KIT_OK) return take_error(api_, e, st);
  return Ok{};
}

Status Sink::finish() {
  mp4kit_error e{};
  if (const int32_t st = api_->sink_finish(sink_, &e); st != MP4KIT_OK) return take_error(api_, e, st);
  return Ok{};
}

mp4kit_sink_stats Sink::stats() const {
  mp4kit_sink_stats s{};
  s.struct_size = sizeof s;
  api_->sink_stats(sink_, &s);
  return s;
}

Result<AudioConverter> AudioConverter::open(const AudioConversion& c) {
  auto a = api();
  if (!a.ok()) return a.error();
  const mp4kit_decode_api* t = *a;
  mp4kit_audio_converter_settings s{};
  t->audio_converter_default_settings(&s);
  s.sample_rate = c.sample_rate;
  s.channels = c.channels;
  s.channel_layout = c.channel_layout.empty() ? nullptr : c.channel_layout.c_str();
  s.sample_fmt = c.sample_fmt.empty() ? nullptr : c.sample_fmt.c_str();
  s.start_us = c.start_us;
  s.end_us = c.end_us;
  s.time_base_num = static_cast<int32_t>(c.time_base.num);
  s.time_base_den = static_cast<int32_t>(c.time_base.den);
  mp4kit_audio_converter* conv = nullptr;
  mp4kit_error e{};
  if (const int32_t st = t->audio_converter_open(&s, &conv, &e); st != MP4KIT_OK) return take_error(t, e, st);
  return AudioConverter(t, conv);
}

AudioConverter& AudioConverter::operator=(AudioConverter&& o) noexcept {
  if (this != &o) {
    if (conv_) api_->audio_converter_close(conv_);
    api_ = o.api_;
    conv_ = o.conv_;
    o.conv_ = nullptr;
  }
  return *this;
}

AudioConverter::~AudioConverter() {
  if (conv_) api_->audio_converter_close(conv_);
}

Result<bool> AudioConverter::convert(const Frame& in, Frame& out) {
  out.reset();
  mp4kit_frame* f = nullptr;
  int32_t done = 0;
  mp4kit_error e{};
  if (const int32_t st = api_->audio_converter_convert(conv_, in ? in.get() : nullptr, &f, &done, &e); st != MP4KIT_OK)
    return take_error(api_, e, st);
  out.api_ = api_;
  out.frame_ = f;
  return done != 0;
}

}  // namespace mp4kit
