/* fuzz_dockerfile.c — libFuzzer target for labs/04-images/dockerfile.c and expand.c.
 *
 * Any bytes must give either instructions or an error in the error slot:
 * never a crash, a hang, a leak or undefined behaviour (built with ASan and
 * UBSan).  Every word the parser returns is expanded too, with a small
 * environment, both with '\\' and with '`' as the escape character.
 *
 *   make -C tests/fuzz run           about 5 minutes (make fuzz at the top)
 *   make -C tests/fuzz check         a short run, as tests/run-all does
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dockerfile.h"
#include "err.h"
#include "str.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void expand_all(const strv_t *words, const strv_t *env, char escape)
{
    for (size_t i = 0; i < words->len; i++) {
        char *out = NULL;
        if (df_expand(words->v[i], env, escape, &out) == 0)
            free(out);
    }
}

static void use(const struct df_instruction *ins, const strv_t *env, char escape)
{
    strv_t pairs = {0};
    expand_all(&ins->args, env, escape);
    expand_all(&ins->flags, env, escape);
    if (!strcmp(ins->cmd, "ENV") || !strcmp(ins->cmd, "LABEL") || !strcmp(ins->cmd, "ARG"))
        df_key_values(ins, env, escape, &pairs);
    strv_free(&pairs);
    if (ins->trigger)
        use(ins->trigger, env, escape);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';

    static char *vars[] = {"A=1", "EMPTY=", "B=two words", "A=again", "NOVALUE", NULL};
    const strv_t env = {vars, 5};
    char *out = NULL;
    if (df_expand(text, &env, '\\', &out) == 0) /* the whole input as one word */
        free(out);

    struct dockerfile df;
    if (df_parse("Dockerfile", text, &df) == 0) {
        for (size_t i = 0; i < df.n; i++)
            use(&df.v[i], &env, df.escape);
        free(df_to_json(&df));
        df_free(&df);
    }
    err_clear();
    free(text);
    return 0;
}
