names_SRCS := $(TOP)/minidock/names.c
