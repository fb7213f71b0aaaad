cgroups_SRCS := $(LIB_SRCS) $(TOP)/labs/02-cgroups/cgroups.c
