# enpu-demo: one convolution on the chip through the real uAPI.
DEMO := $(O)/tools/enpu-demo
ALL_TARGETS += $(DEMO)

$(DEMO): tools/demo/enpu-demo.c $(DEV_SRCS) $(DEV_HDRS) | $(O)/tools/
	$(CC) $(UAPI_CFLAGS) -o $@ $< $(DEV_SRCS) -ldrm
