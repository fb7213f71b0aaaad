build_SRCS :=
build_LIBS :=
