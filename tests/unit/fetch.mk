fetch_SRCS := $(LIB_SRCS) $(TOP)/minidock/fetch.c $(TOP)/labs/04-images/layer.c \
              $(TOP)/labs/03-overlay/overlay.c
fetch_LIBS := $(call pkglibs,libcurl libarchive libcrypto) -pthread
