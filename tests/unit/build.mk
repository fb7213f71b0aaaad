build_SRCS := $(TOP)/minidock/buildignore.c
build_LIBS :=
