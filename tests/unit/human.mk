human_SRCS := $(TOP)/minidock/human.c
