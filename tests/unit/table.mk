table_SRCS := $(LIB_SRCS) $(TOP)/minidock/table.c $(TOP)/minidock/template.c
table_LIBS := $(call pkglibs,jansson)
