security_SRCS := $(LIB_SRCS) $(TOP)/labs/01-namespaces/security.c
security_LIBS := $(call pkglibs,libcap libseccomp)
