#include <cstdio>
#include <memory>

#include "cli/commands.h"
#include "sambench/base/error.h"
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
  auto size = std::make_shared<std::string>();
  cmd->add_option("--size", *size, "WIDTHxHEIGHT of every image, written as JPEG (default: the demo's six sizes)");
  cmd->callback([output, spec, size] {
    if (!size->empty() && (std::sscanf(size->c_str(), "%dx%d", &spec->width, &spec->height) != 2 ||
                           spec->width < 16 || spec->height < 16 || spec->width > 20000 || spec->height > 20000)) {
      throw Error("make-demo --size: expected WIDTHxHEIGHT, each 16 to 20000, got '" + *size + "'");
    }
    make_demo_dataset(*output, *spec);
    std::printf("wrote %d demo image(s) to %s\n", spec->images, output->c_str());
  });
}

}  // namespace sambench
