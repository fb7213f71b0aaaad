dockerfile_SRCS := $(LIB_SRCS) $(TOP)/labs/04-images/dockerfile.c $(TOP)/labs/04-images/expand.c
dockerfile_LIBS := $(call pkglibs,jansson)
