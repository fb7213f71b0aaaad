# minidock — top-level Makefile.
#
#   make          build the labs and minidock
#   make deps     install the Debian packages the project needs (root)
#   make test     unit tests (ASan/UBSan), lab graders, end-to-end tests
#   make fuzz     fuzz the Dockerfile parser for 5 minutes (libFuzzer; FUZZ_TIME=seconds)
#   make demo     a short tour of minidock
#   make bench    run latency vs runc/podman, then build time vs podman (bench/run-latency, run-build)
#   make grade    run the lab graders and print points per lab
#   make student  the students' starter tree in build/student (LAB=N: from lab N)
#   make format   clang-format every C file;  make lint: format check + cppcheck
TOP := $(CURDIR)
include mk/common.mk

LABS := $(sort $(dir $(wildcard labs/*/Makefile)))

.PHONY: format-check all deps labs minidock fixtures test unit grade e2e demo format lint clean student slides fuzz bench

all: labs minidock fixtures

deps:
	@scripts/deps

labs:
	@for l in $(LABS); do $(MAKE) -s -C $$l || exit 1; done

minidock:
	@$(MAKE) -s -C minidock

fixtures:
	@$(MAKE) -s -C tests/fixtures

test: deps
	@$(MAKE) -s all
	@tests/run-all

unit: deps
	@tests/run-all unit

grade: deps
	@$(MAKE) -s all
	@tests/run-all grade

fuzz:
	@$(MAKE) -s -C tests/fuzz run

e2e: deps
	@$(MAKE) -s all
	@tests/run-all e2e

demo: deps
	@$(MAKE) -s all
	@scripts/demo

bench: deps
	@$(MAKE) -s all
	@bench/run-latency
	@bench/run-build

student:
	@scripts/make-student $(if $(LAB),--lab $(LAB)) build/student

slides:
	@scripts/slides

C_FILES = $(shell git ls-files '*.c' '*.h' 2>/dev/null)

format:
	clang-format -i $(C_FILES)

format-check:
	@clang-format --dry-run --Werror $(C_FILES)

lint: format-check
	cppcheck --quiet --error-exitcode=1 --enable=warning,portability,performance \
	    --inline-suppr --suppress=missingIncludeSystem -D_GNU_SOURCE -Ilib \
	    '-Djson_array_foreach(a,i,v)=for (i = 0; (v = json_array_get(a, i)); i++)' \
	    '-Djson_object_foreach(o,k,v)=for (k = 0; (v = 0);)' \
	    $(filter %.c,$(C_FILES))

clean:
	@for l in $(LABS); do $(MAKE) -s -C $$l clean; done
	@$(MAKE) -s -C minidock clean
	@$(MAKE) -s -C tests/fixtures clean
	@$(MAKE) -s -C tests/unit clean
	@$(MAKE) -s -C tests/fuzz clean
	rm -rf tests/.out build
