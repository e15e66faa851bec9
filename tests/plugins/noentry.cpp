// A shared library that is not a plugin: it exports no entry point.
extern "C" __attribute__((visibility("default"))) int something_else() { return 7; }
