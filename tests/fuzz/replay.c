/* Replays a fuzz target's saved corpus through its entry point, as a cmocka test under the normal
 * gcc + ASan/UBSan build (`make test`): every file in tests/fixtures/fuzz/<target>/ (seeds and
 * the regression inputs libFuzzer saved as crash-*, leak-*, timeout-*, oom-*) goes to
 * LLVMFuzzerTestOneInput once. A crash, sanitizer report or failed assertion in the entry point
 * fails the test. The binary is named replay_fuzz_<target>; the corpus folder comes from that
 * name (or argv[1]), relative to $SHIPSIM_ROOT or the working folder. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define REPLAY_FILES_MAX 100000
#define REPLAY_FILE_BYTES_MAX (8 * 1024 * 1024)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

static char corpus_dir[1024];

/* Read a whole file into a malloc'd buffer of exactly its size (so ASan sees reads past it). */
static uint8_t *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return NULL;
    }
    struct stat st;
    uint8_t *buf = NULL;
    if (fstat(fileno(f), &st) == 0 && st.st_size >= 0 && st.st_size <= REPLAY_FILE_BYTES_MAX) {
        *len = (size_t)st.st_size;
        buf = malloc(*len > 0 ? *len : 1);
        if (buf != NULL && *len > 0 && fread(buf, 1, *len, f) != *len) {
            free(buf);
            buf = NULL;
        }
    }
    fclose(f);
    return buf;
}

static void replay_corpus(void **state)
{
    (void)state;
    DIR *d = opendir(corpus_dir);
    if (d == NULL) {
        fail_msg("no corpus folder %s (seed it: tests/fuzz/README.md)", corpus_dir);
    }
    int files = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && files < REPLAY_FILES_MAX) {
        if (e->d_name[0] == '.' || strcmp(e->d_name, "README.md") == 0) {
            continue;
        }
        char path[2048];
        snprintf(path, sizeof(path), "%s/%s", corpus_dir, e->d_name);
        size_t len = 0;
        uint8_t *buf = read_all(path, &len);
        assert_non_null(buf);
        LLVMFuzzerTestOneInput(buf, len);
        free(buf);
        files++;
    }
    closedir(d);
    fprintf(stderr, "replayed %d file(s) from %s\n", files, corpus_dir);
    assert_true(files > 0); /* an empty corpus replays nothing: treat as a setup error */
}

int main(int argc, char **argv)
{
    const char *root = getenv("SHIPSIM_ROOT");
    const char *self = strrchr(argv[0], '/');
    self = self != NULL ? self + 1 : argv[0];
    const char *prefix = "replay_fuzz_";
    if (argc > 1) {
        snprintf(corpus_dir, sizeof(corpus_dir), "%s", argv[1]);
    } else if (strncmp(self, prefix, strlen(prefix)) == 0) {
        snprintf(corpus_dir, sizeof(corpus_dir), "%s%stests/fixtures/fuzz/%s",
                 root != NULL ? root : "", root != NULL ? "/" : "", self + strlen(prefix));
    } else {
        fprintf(stderr, "usage: replay_fuzz_<target> [corpus folder]\n");
        return 2;
    }
    if (LLVMFuzzerInitialize != NULL) {
        LLVMFuzzerInitialize(&argc, &argv);
    }
    const struct CMUnitTest tests[] = {cmocka_unit_test(replay_corpus)};
    return cmocka_run_group_tests_name(self, tests, NULL, NULL);
}
