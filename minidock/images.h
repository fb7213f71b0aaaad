/* images.h — what images.c and imginspect.c share (not an API). */
#ifndef MINIDOCK_IMAGES_H
#define MINIDOCK_IMAGES_H

#include <stdint.h>

#include "image.h"
#include "minidock.h"

/* md_fail(context), with no context for "no such image" (its message says it all). */
int image_fail(const char *context, int ret);
/* The size of an image: the sum of its layers, unpacked. */
int64_t image_size(struct image_store *st, const struct image *img);
/* `image inspect` (also `inspect` of an image). */
int image_inspect_cmd(const struct md_global *g, int argc, char **argv);

#endif
