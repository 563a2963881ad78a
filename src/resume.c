/* vessel resume: thaw a paused container. */
#include <config.h>

#include "cli.h"
#include "libvessel/container.h"

const char cli_resume_usage[]
    = "Usage: vessel resume ID\n"
      "\n"
      "Resumes every process of the paused container ID.\n"
      "\n"
      "Options:\n"
      "  -h, --help   print this help\n";

int
cli_resume (struct cli_globals *g, int argc, char **argv, vessel_error **err)
{
  return cli_id_command (argc, argv, cli_resume_usage, vessel_container_resume, g, err);
}
