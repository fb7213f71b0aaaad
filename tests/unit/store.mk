store_SRCS := $(LIB_SRCS) $(TOP)/minidock/store.c $(TOP)/minidock/names.c
store_LIBS := $(call pkglibs,jansson)
