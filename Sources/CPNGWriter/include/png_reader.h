#ifndef EXHIBIT_PNG_READER_H
#define EXHIBIT_PNG_READER_H

#include <stddef.h>
#include <stdint.h>

/* Reads a PNG row by row (never the whole image) and returns the pixel at column `x` of every row
   as 0xRRGGBB in `column` (allocated with malloc, `*rows` entries; the caller frees it). Returns 0
   on success, non-zero with a message in `error`. Every libpng call stays behind setjmp here. */
int exhibit_png_read_column(const char *path, uint32_t x, uint32_t **column, uint32_t *width, uint32_t *rows,
                            char *error, size_t error_size);

/* Reads the region x, y, width x height of a PNG row by row and shrinks it by an integer `factor`
   (each output pixel the mean of factor x factor input pixels), for thumbnails of pages of any
   height. `*rgb` (malloc'ed, *out_width x *out_height x 3 bytes) is the caller's to free. Returns 0
   on success, non-zero with a message in `error`. */
int exhibit_png_read_region(const char *path, uint32_t x, uint32_t y, uint32_t width, uint32_t height, uint32_t factor,
                            uint8_t **rgb, uint32_t *out_width, uint32_t *out_height, char *error, size_t error_size);

#endif
