#include <png.h>

/* Macros Swift cannot import (composite expressions) as constants. */
static const unsigned int exhibit_png_format_rgba = PNG_FORMAT_RGBA;
