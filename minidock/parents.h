/* parents.h — an image's parent (the image its build step or commit started
 * from), kept beside the store in ROOT/image-parents (parents.c). */
#ifndef MINIDOCK_PARENTS_H
#define MINIDOCK_PARENTS_H

#include <stdbool.h>

#define MD_PARENT_LEN (7 + 64 + 1) /* "sha256:" + hex + NUL */

/* Record that child (an image ID) was made from parent ("": none). */
int md_parent_set(const char *root, const char *child, const char *parent);
/* The parent of child, or "" when none is recorded. */
void md_parent_get(const char *root, const char *child, char out[MD_PARENT_LEN]);
/* Drop child's record (the image is deleted). */
void md_parent_forget(const char *root, const char *child);
/* Is id the parent of a recorded image? */
bool md_parent_has_children(const char *root, const char *id);

#endif
