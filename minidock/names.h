/* names.h — generated container names, "adjective_surname" as Docker makes
 * them (e.g. "brave_lovelace"), for containers run without --name. */
#ifndef MD_NAMES_H
#define MD_NAMES_H

#include <stddef.h>

/* Write a random name.  attempt > 0 (the previous name was taken) appends a
 * digit, as Docker does: "brave_lovelace3". */
void names_generate(char *buf, size_t size, unsigned attempt);

/* Docker's rule for user-given names: [a-zA-Z0-9][a-zA-Z0-9_.-]+ */
int names_valid(const char *name);

#endif
