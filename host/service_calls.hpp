// service_calls.hpp - the functions behind omero_host_api (services.cpp
// builds the table and wraps each so nothing unwinds into plugin code), one
// file per group:
//   output.cpp           write, log, JSON, progress, is_tty, report_error
//   hop_registry.cpp     for_each_hop, list_hops, load_hop: the hops of every plugin found
//   command_service.cpp  run_command: a command in a child frame
//   services.cpp         server_dir, config get/set, cancelled, last_error
// Each may throw; the wrapper turns that into the service's error value.
#pragma once

#include "services.hpp"

namespace omero::host {

void h_write(omero_host* h, int stream, const char* p, size_t n);
void h_log(omero_host* h, int level, const char* p, size_t n);
int h_json_mode(omero_host* h);
void h_emit_json(omero_host* h, const char* p, size_t n);
void h_progress(omero_host* frame, uint64_t done, uint64_t total, const char* label, size_t len);
void h_progress_done(omero_host* frame);
int h_is_tty(omero_host* h, int stream);
void h_report_error(omero_host* h, const char* p, size_t n);

int h_for_each_hop(omero_host* h, omero_hop_sink sink, void* user);
int h_list_hops(omero_host* h, omero_hop_info_sink sink, void* user);
int h_load_hop(omero_host* h, const char* plugin, const char* from, const char* to, const omero_upgrade_hop** out);

int h_run_command(omero_host* h, const omero_str* argv, size_t argc, omero_sink out, void* user);

// The frame whose progress state is the terminal's: the root.
omero_host* terminal(omero_host* h);

}  // namespace omero::host
