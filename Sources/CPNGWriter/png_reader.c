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

int exhibit_png_read_column(const char *path, uint32_t x, uint32_t **column, uint32_t *width, uint32_t *rows,
                            char *error, size_t error_size) {
    struct reader_state state = {{0}};
    FILE *file = fopen(path, "rb");
    if (!file) {
        snprintf(error, error_size, "cannot open %s", path);
        return 1;
    }
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &state, on_read_error, on_read_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    /* volatile: these change between setjmp and a possible longjmp. */
    uint32_t *volatile values = NULL;
    png_bytep volatile row = NULL;
    if (!png || !info) {
        snprintf(error, error_size, "libpng could not start");
        if (png) png_destroy_read_struct(&png, NULL, NULL);
        fclose(file);
        return 1;
    }
    if (setjmp(png_jmpbuf(png))) {
        snprintf(error, error_size, "%s", state.message);
        free(values);
        free(row);
        png_destroy_read_struct(&png, &info, NULL);
        fclose(file);
        return 1;
    }
    png_init_io(png, file);
    png_read_info(png, info);
    png_set_expand(png);
    png_set_strip_16(png);
    png_set_gray_to_rgb(png);
    png_set_strip_alpha(png);
    if (png_get_interlace_type(png, info) != PNG_INTERLACE_NONE) {
        snprintf(state.message, sizeof state.message, "interlaced PNGs are not read row by row");
        png_longjmp(png, 1);
    }
    png_read_update_info(png, info);
    uint32_t w = png_get_image_width(png, info), h = png_get_image_height(png, info);
    if (x >= w) {
        snprintf(state.message, sizeof state.message, "column %u is outside a %u px wide image", x, w);
        png_longjmp(png, 1);
    }
    values = malloc(sizeof(uint32_t) * (size_t)h);
    row = malloc(png_get_rowbytes(png, info));
    if (!values || !row) {
        snprintf(state.message, sizeof state.message, "out of memory");
        png_longjmp(png, 1);
    }
    for (uint32_t y = 0; y < h; y++) {
        png_read_row(png, row, NULL);
        values[y] = ((uint32_t)row[3 * x] << 16) | ((uint32_t)row[3 * x + 1] << 8) | row[3 * x + 2];
    }
    png_read_end(png, NULL);
    free(row);
    png_destroy_read_struct(&png, &info, NULL);
    fclose(file);
    *column = values;
    *width = w;
    *rows = h;
    return 0;
}
