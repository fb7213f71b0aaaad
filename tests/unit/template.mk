template_SRCS := $(LIB_SRCS) $(TOP)/minidock/template.c
template_LIBS := $(call pkglibs,jansson)
