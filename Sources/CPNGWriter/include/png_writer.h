#ifndef EXHIBIT_PNG_WRITER_H
#define EXHIBIT_PNG_WRITER_H

#include <stddef.h>
#include <stdint.h>

/* A streaming PNG writer over libpng. libpng reports errors by longjmp, which must never cross
   Swift frames, so every libpng call happens in this file behind its own setjmp, and failures come
   back as a non-zero return with a message in the writer. */

typedef struct exhibit_png_writer exhibit_png_writer;

/* Opens `path` for an 8-bit RGB image of width x height with an sRGB chunk and a pHYs chunk of
   `pixels_per_meter`. Returns NULL (with the reason in `error`) on failure. */
exhibit_png_writer *exhibit_png_writer_open(const char *path, uint32_t width, uint32_t height,
                                            uint32_t pixels_per_meter, char *error, size_t error_size);

/* Adds an uncompressed iTXt chunk (keyword: Latin-1, 1-79 bytes; text: UTF-8). Call before begin. */
int exhibit_png_writer_add_itxt(exhibit_png_writer *writer, const char *keyword, const char *text);

/* Writes the header chunks; rows follow. */
int exhibit_png_writer_begin(exhibit_png_writer *writer);

/* Writes one row of width * 3 bytes (RGB). */
int exhibit_png_writer_write_row(exhibit_png_writer *writer, const uint8_t *row);

/* Writes IEND and closes the file. On success (0) the writer is freed; on failure call abort. */
int exhibit_png_writer_finish(exhibit_png_writer *writer);

/* Gives up: frees the writer and closes the file (the caller removes it). */
void exhibit_png_writer_abort(exhibit_png_writer *writer);

/* The last error message. */
const char *exhibit_png_writer_error(const exhibit_png_writer *writer);



/* Converts one row of `width` RGBA pixels to RGB into `rgb`. Returns 1 when every pixel of the row
   has the same RGB value (written to *flat_rgb as 0xRRGGBB), else 0. In C because tests run debug
   builds, where a Swift loop over every pixel of a 150,000-row page would take minutes. */
int exhibit_rgba_row_to_rgb(const uint8_t *rgba, uint8_t *rgb, size_t width, uint32_t *flat_rgb);
#endif
