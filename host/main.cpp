// omero - the OMERO server command line. See cli.hpp.
#include "cli.hpp"

int main(int argc, char** argv) { return omero::host::run_main(argc, argv); }
