#include "png_reader.h"

#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct reader_state {
    char message[200];
};

static void on_read_error(png_structp png, png_const_charp message) {
    struct reader_state *state = png_get_error_ptr(png);
    snprintf(state->message, sizeof state->message, "libpng: %s", message);
    png_longjmp(png, 1);
}

static void on_read_warning(png_structp png, png_const_charp message) {
    (void)png;
    (void)message;
}


/* Opens `path` for reading as 8-bit RGB rows. On failure returns 1 with the reason in `error`;
   the caller then has nothing to free. */
static int open_reader(const char *path, struct reader_state *state, FILE **file, png_structp *png, png_infop *info,
                       char *error, size_t error_size) {
    *file = fopen(path, "rb");
    if (!*file) {
        snprintf(error, error_size, "cannot open %s", path);
        return 1;
    }
    *png = png_create_read_struct(PNG_LIBPNG_VER_STRING, state, on_read_error, on_read_warning);
    *info = *png ? png_create_info_struct(*png) : NULL;
    if (!*png || !*info) {
        snprintf(error, error_size, "libpng could not start");
        if (*png) png_destroy_read_struct(png, NULL, NULL);
        fclose(*file);
        return 1;
    }
    return 0;
}

/* Reads the header and asks for 8-bit RGB rows. Call after setjmp: errors longjmp to the caller. */
static void read_as_rgb(png_structp png, png_infop info, FILE *file, struct reader_state *state) {
    png_init_io(png, file);
    png_read_info(png, info);
    png_set_expand(png);
    png_set_strip_16(png);
    png_set_gray_to_rgb(png);
    png_set_strip_alpha(png);
    if (png_get_interlace_type(png, info) != PNG_INTERLACE_NONE) {
        snprintf(state->message, sizeof state->message, "interlaced PNGs are not read row by row");
        png_longjmp(png, 1);
    }
    png_read_update_info(png, info);
}

int exhibit_png_read_region(const char *path, uint32_t x, uint32_t y, uint32_t width, uint32_t height, uint32_t factor,
                            uint8_t **rgb, uint32_t *out_width, uint32_t *out_height, uint32_t *image_width,
                            char *error, size_t error_size) {
    struct reader_state state = {{0}};
    if (factor == 0) factor = 1;
    FILE *file;
    png_structp png;
    png_infop info;
    if (open_reader(path, &state, &file, &png, &info, error, error_size)) return 1;
    uint8_t *volatile output = NULL;
    uint32_t *volatile sums = NULL;
    png_bytep volatile row = NULL;
    if (setjmp(png_jmpbuf(png))) {
        snprintf(error, error_size, "%s", state.message);
        free(output);
        free(sums);
        free(row);
        png_destroy_read_struct(&png, &info, NULL);
        fclose(file);
        return 1;
    }
    read_as_rgb(png, info, file, &state);
    uint32_t w = png_get_image_width(png, info), h = png_get_image_height(png, info);
    if (x >= w || y >= h) {
        snprintf(state.message, sizeof state.message, "region at %u,%u is outside a %ux%u image", x, y, w, h);
        png_longjmp(png, 1);
    }
    if (width > w - x) width = w - x;
    if (height > h - y) height = h - y;
    uint32_t ow = width / factor, oh = height / factor;
    if (ow == 0) ow = 1;
    if (oh == 0) oh = 1;
    output = malloc((size_t)ow * oh * 3);
    sums = calloc((size_t)ow * 3, sizeof(uint32_t));
    row = malloc(png_get_rowbytes(png, info));
    if (!output || !sums || !row) {
        snprintf(state.message, sizeof state.message, "out of memory");
        png_longjmp(png, 1);
    }
    uint32_t out_row = 0, rows_in_band = 0;
    for (uint32_t r = 0; r < h && out_row < oh; r++) {
        png_read_row(png, row, NULL);
        if (r < y) continue;
        for (uint32_t ox = 0; ox < ow; ox++) {
            for (uint32_t dx = 0; dx < factor && ox * factor + dx < width; dx++) {
                const uint8_t *p = row + 3 * (size_t)(x + ox * factor + dx);
                sums[3 * ox] += p[0];
                sums[3 * ox + 1] += p[1];
                sums[3 * ox + 2] += p[2];
            }
        }
        rows_in_band++;
        if (rows_in_band == factor || r == y + height - 1) {
            for (uint32_t ox = 0; ox < ow; ox++) {
                uint32_t columns = (ox * factor + factor <= width) ? factor : width - ox * factor;
                uint32_t count = columns * rows_in_band;
                for (int c = 0; c < 3; c++) {
                    output[((size_t)out_row * ow + ox) * 3 + c] = (uint8_t)((sums[3 * ox + c] + count / 2) / (count ? count : 1));
                    sums[3 * ox + c] = 0;
                }
            }
            out_row++;
            rows_in_band = 0;
        }
    }
    /* The rest of the image is not needed; libpng is simply stopped. */
    free(row);
    free(sums);
    png_destroy_read_struct(&png, &info, NULL);
    fclose(file);
    *rgb = output;
    *out_width = ow;
    *out_height = out_row;
    *image_width = w;
    return 0;
}
