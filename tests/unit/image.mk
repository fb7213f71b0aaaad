image_SRCS := $(LIB_SRCS) $(TOP)/labs/04-images/image.c $(TOP)/labs/04-images/layer.c \
              $(TOP)/labs/03-overlay/overlay.c
image_LIBS := $(call pkglibs,libarchive libcrypto jansson) -pthread
