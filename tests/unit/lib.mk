lib_SRCS := $(LIB_SRCS)
