#pragma once

// Each subcommand adds itself to the app; its callback runs when it is chosen.

#include <string>

#include <CLI/CLI.hpp>

namespace sambench {

// `text` padded with spaces to `width` characters as a terminal shows them: UTF-8 continuation
// bytes take no column, so class names such as "ILM–IPL/INL" line up (printf pads by bytes).
inline size_t columns_of(const std::string& text) {
  size_t columns = 0;
  for (unsigned char ch : text) columns += (ch & 0xC0) != 0x80;
  return columns;
}

inline std::string pad(const std::string& text, size_t width) {
  const size_t columns = columns_of(text);
  return columns >= width ? text : text + std::string(width - columns, ' ');
}

void add_bench_command(CLI::App& app);
void add_datasets_command(CLI::App& app);
void add_eval_command(CLI::App& app);
void add_finetune_command(CLI::App& app);
void add_inspect_command(CLI::App& app);
void add_make_demo_command(CLI::App& app);
void add_merge_command(CLI::App& app);
void add_rescore_command(CLI::App& app);
void add_report_command(CLI::App& app);
void add_compare_command(CLI::App& app);
void add_study_report_command(CLI::App& app);

}  // namespace sambench
