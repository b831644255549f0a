#include <cstdio>
#include <memory>

#include "cli/commands.h"
#include "sambench/data/demo_data.h"

namespace sambench {

void add_make_demo_command(CLI::App& app) {
  auto output = std::make_shared<std::string>();
  auto spec = std::make_shared<DemoSpec>();
  CLI::App* cmd = app.add_subcommand("make-demo", "Write the synthetic demo dataset (folder layout)");
  cmd->add_option("-o,--output", *output, "folder to create (images/ and masks/)")->required();
  cmd->add_option("--images", spec->images, "number of images (1 to 10000)")->check(CLI::Range(1, 10000));
  cmd->add_option("--seed", spec->seed, "random seed");
  cmd->add_option("--classes", spec->classes, "label values 1..N; above 3, organ-like ellipses (at most 19)")
      ->check(CLI::Range(3, 19));
  cmd->callback([output, spec] {
    make_demo_dataset(*output, *spec);
    std::printf("wrote %d demo image(s) to %s\n", spec->images, output->c_str());
  });
}

}  // namespace sambench
