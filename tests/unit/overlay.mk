overlay_SRCS := $(LIB_SRCS) $(TOP)/labs/03-overlay/overlay.c $(TOP)/labs/03-overlay/volumes.c
overlay_LIBS := $(call pkglibs,libarchive)
