human_SRCS := $(TOP)/lib/human.c
