# Shared build settings, included by every Makefile of the project.
# TOP must point at the repository root before this file is included.

CC       ?= gcc
CFLAGS   ?= -O2 -g
WARNINGS := -Wall -Wextra -Wshadow -Wformat=2 -Wmissing-prototypes \
            -Wswitch-default -Wno-unused-parameter \
            -Wno-format-truncation -Werror
override CFLAGS   += -std=gnu17 $(WARNINGS)
override CPPFLAGS += -D_GNU_SOURCE -I$(TOP)/lib

LIB_SRCS := $(wildcard $(TOP)/lib/*.c)
LIB_HDRS := $(wildcard $(TOP)/lib/*.h)

# pkg-config names of the system libraries (DESIGN.md §6)
PKGS_RUNTIME := libcap libseccomp
pkgcflags = $(shell pkg-config --cflags $(1) 2>/dev/null)
pkglibs   = $(shell pkg-config --libs $(1) 2>/dev/null)
