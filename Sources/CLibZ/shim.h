#include <zlib.h>

// deflateInit2 and inflateInit2 are macros (they pass the library version and the stream size),
// which Swift cannot call; these functions make them callable.
static inline int czlib_deflate_init_gzip(z_streamp stream, int level) {
    // windowBits 15 + 16: write a gzip header and trailer, not a zlib one.
    return deflateInit2(stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
}

static inline int czlib_inflate_init_gzip(z_streamp stream) {
    // windowBits 15 + 16: accept a gzip member only, so a zlib or raw stream is an error.
    return inflateInit2(stream, 15 + 16);
}

static inline int czlib_inflate_init_raw(z_streamp stream) {
    // windowBits -15: a raw deflate stream, as a ZIP entry stores it (no zlib or gzip wrapper).
    return inflateInit2(stream, -15);
}
