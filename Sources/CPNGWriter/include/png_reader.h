#ifndef EXHIBIT_PNG_READER_H
#define EXHIBIT_PNG_READER_H

#include <stddef.h>
#include <stdint.h>

/* Reads the region x, y, width x height of a PNG row by row (never the whole image; a region
   running past the image is cut at its edge) and shrinks it by an integer `factor` (each output
   pixel the mean of factor x factor input pixels): thumbnails of pages of any height, and at
   width 1, factor 1, one pixel column. `*rgb` (malloc'ed, *out_width x *out_height x 3 bytes) is
   the caller's to free; `*image_width` is the whole image's width. Returns 0 on success, non-zero
   with a message in `error`. Every libpng call stays behind setjmp here. */
int exhibit_png_read_region(const char *path, uint32_t x, uint32_t y, uint32_t width, uint32_t height, uint32_t factor,
                            uint8_t **rgb, uint32_t *out_width, uint32_t *out_height, uint32_t *image_width,
                            char *error, size_t error_size);

#endif
