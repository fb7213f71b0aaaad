layer_SRCS := $(LIB_SRCS) $(TOP)/labs/04-images/layer.c $(TOP)/labs/03-overlay/overlay.c
layer_LIBS := $(call pkglibs,libarchive libcrypto) -pthread
