/* names.c — generated container names (see names.h).  The surnames honour
 * people who shaped computing and science; many are French, as is the course. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "names.h"

static const char *const adjectives[] = {
    "admiring", "agile",   "amazing", "bold",    "brave",   "bright",  "calm",    "careful",
    "clever",   "curious", "daring",  "eager",   "elegant", "epic",    "fervent", "friendly",
    "gallant",  "gentle",  "happy",   "hopeful", "humble",  "jolly",   "keen",    "kind",
    "lively",   "loyal",   "lucid",   "merry",   "modest",  "nimble",  "noble",   "patient",
    "peaceful", "polite",  "proud",   "quiet",   "quirky",  "radiant", "serene",  "sharp",
    "sincere",  "steady",  "sturdy",  "swift",   "tender",  "tidy",    "upbeat",  "vibrant",
    "wise",     "witty",   "zealous",
};

static const char *const surnames[] = {
    "ampere",    "arago",    "babbage",    "becquerel", "bernoulli", "berners",  "borg",
    "boole",     "carnot",   "cauchy",     "chatelet",  "coriolis",  "curie",    "darwin",
    "descartes", "dijkstra", "einstein",   "euler",     "fermat",    "fourier",  "galois",
    "germain",   "hamilton", "hopper",     "joliot",    "kahn",      "knuth",    "lagrange",
    "lamarr",    "laplace",  "lavoisier",  "leibniz",   "liskov",    "lovelace", "meitner",
    "monge",     "neumann",  "noether",    "pascal",    "pasteur",   "poincare", "pouzin",
    "ritchie",   "shannon",  "somerville", "thompson",  "torvalds",  "turing",   "vauban",
    "wozniak",   "zuse",
};

static unsigned random_below(unsigned n)
{
    unsigned v = 0;
    if (getrandom(&v, sizeof(v), 0) != sizeof(v))
        v = (unsigned)rand();
    return v % n;
}

void names_generate(char *buf, size_t size, unsigned attempt)
{
    size_t na = sizeof(adjectives) / sizeof(adjectives[0]);
    size_t ns = sizeof(surnames) / sizeof(surnames[0]);
    const char *a = adjectives[random_below((unsigned)na)];
    const char *s = surnames[random_below((unsigned)ns)];
    if (attempt == 0)
        snprintf(buf, size, "%s_%s", a, s);
    else
        snprintf(buf, size, "%s_%s%u", a, s, random_below(10));
}

int names_valid(const char *name)
{
    if (!name || !isalnum((unsigned char)name[0]) || !name[1])
        return 0;
    for (const char *p = name; *p; p++)
        if (!isalnum((unsigned char)*p) && !strchr("_.-", *p))
            return 0;
    return 1;
}
