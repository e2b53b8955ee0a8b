#include "png_writer.h"

#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct exhibit_png_writer {
    FILE *file;
    png_structp png;
    png_infop info;
    char error[256];
    /* Text chunks are kept until begin, because png_set_text copies pointers' contents then. */
    png_text texts[4];
    int text_count;
};

static void on_error(png_structp png, png_const_charp message) {
    exhibit_png_writer *writer = png_get_error_ptr(png);
    snprintf(writer->error, sizeof writer->error, "libpng: %s", message);
    png_longjmp(png, 1);
}

static void on_warning(png_structp png, png_const_charp message) {
    (void)png;
    (void)message;
}

exhibit_png_writer *exhibit_png_writer_open(const char *path, uint32_t width, uint32_t height,
                                            uint32_t pixels_per_meter, char *error, size_t error_size) {
    exhibit_png_writer *writer = calloc(1, sizeof *writer);
    if (!writer) {
        snprintf(error, error_size, "out of memory");
        return NULL;
    }
    writer->file = fopen(path, "wb");
    if (!writer->file) {
        snprintf(error, error_size, "cannot open %s for writing", path);
        free(writer);
        return NULL;
    }
    writer->png = png_create_write_struct(PNG_LIBPNG_VER_STRING, writer, on_error, on_warning);
    writer->info = writer->png ? png_create_info_struct(writer->png) : NULL;
    if (!writer->png || !writer->info) {
        snprintf(error, error_size, "libpng could not start");
        exhibit_png_writer_abort(writer);
        return NULL;
    }
    if (setjmp(png_jmpbuf(writer->png))) {
        snprintf(error, error_size, "%s", writer->error);
        exhibit_png_writer_abort(writer);
        return NULL;
    }
    png_init_io(writer->png, writer->file);
    png_set_IHDR(writer->png, writer->info, width, height, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_set_sRGB_gAMA_and_cHRM(writer->png, writer->info, PNG_sRGB_INTENT_PERCEPTUAL);
    png_set_pHYs(writer->png, writer->info, pixels_per_meter, pixels_per_meter, PNG_RESOLUTION_METER);
    /* Screenshots are mostly flat colour and compress well at a fast level: level 3 measured
       about as small as 6 on the fixtures for much less time; 9 costs far more for little.
       One row filter (Up) instead of libpng's trial of all five per row: on the sample thread's
       1280 x 6295 screenshot 61 ms instead of 146 ms for a file 4 % larger, and Up keeps
       photographs small too (no filter at all would not). */
    png_set_compression_level(writer->png, 3);
    png_set_filter(writer->png, PNG_FILTER_TYPE_BASE, PNG_FILTER_UP);
    return writer;
}

int exhibit_png_writer_add_itxt(exhibit_png_writer *writer, const char *keyword, const char *text) {
    if (writer->text_count >= 4) {
        snprintf(writer->error, sizeof writer->error, "too many text chunks");
        return 1;
    }
    png_text *entry = &writer->texts[writer->text_count];
    memset(entry, 0, sizeof *entry);
    entry->compression = PNG_ITXT_COMPRESSION_NONE;
    entry->key = strdup(keyword);
    entry->text = strdup(text);
    entry->itxt_length = strlen(text);
    entry->lang = NULL;
    entry->lang_key = NULL;
    if (!entry->key || !entry->text) {
        snprintf(writer->error, sizeof writer->error, "out of memory");
        return 1;
    }
    writer->text_count++;
    return 0;
}

int exhibit_png_writer_begin(exhibit_png_writer *writer) {
    if (setjmp(png_jmpbuf(writer->png))) return 1;
    if (writer->text_count > 0) png_set_text(writer->png, writer->info, writer->texts, writer->text_count);
    png_write_info(writer->png, writer->info);
    return 0;
}

int exhibit_png_writer_write_row(exhibit_png_writer *writer, const uint8_t *row) {
    if (setjmp(png_jmpbuf(writer->png))) return 1;
    png_write_row(writer->png, (png_const_bytep)row);
    return 0;
}

static void release(exhibit_png_writer *writer) {
    if (writer->png) png_destroy_write_struct(&writer->png, writer->info ? &writer->info : NULL);
    for (int i = 0; i < writer->text_count; i++) {
        free(writer->texts[i].key);
        free(writer->texts[i].text);
    }
    if (writer->file) fclose(writer->file);
    free(writer);
}

int exhibit_png_writer_finish(exhibit_png_writer *writer) {
    if (setjmp(png_jmpbuf(writer->png))) return 1;
    png_write_end(writer->png, writer->info);
    if (fflush(writer->file) != 0 || ferror(writer->file)) {
        snprintf(writer->error, sizeof writer->error, "could not write the PNG file");
        return 1;
    }
    release(writer);
    return 0;
}

void exhibit_png_writer_abort(exhibit_png_writer *writer) {
    if (writer) release(writer);
}

const char *exhibit_png_writer_error(const exhibit_png_writer *writer) { return writer->error; }

int exhibit_rgba_row_to_rgb(const uint8_t *rgba, uint8_t *rgb, size_t width, uint32_t *flat_rgb) {
    int flat = 1;
    const uint8_t r0 = rgba[0], g0 = rgba[1], b0 = rgba[2];
    for (size_t x = 0; x < width; x++) {
        const uint8_t r = rgba[4 * x], g = rgba[4 * x + 1], b = rgba[4 * x + 2];
        rgb[3 * x] = r;
        rgb[3 * x + 1] = g;
        rgb[3 * x + 2] = b;
        flat &= (r == r0) & (g == g0) & (b == b0);
    }
    if (flat_rgb) *flat_rgb = ((uint32_t)r0 << 16) | ((uint32_t)g0 << 8) | b0;
    return flat;
}
