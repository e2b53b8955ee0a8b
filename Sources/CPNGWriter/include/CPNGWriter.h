#include "png_writer.h"
#include "png_reader.h"
