#include "exporter/util/flag_parser.h"

#include <CLI/CLI.hpp>

namespace entra_pta {
namespace {

// "--name" of "--name=value".
std::string FlagName(const std::string& arg) {
  return arg.substr(0, arg.find('='));
}

}  // namespace

FlagParser::FlagParser() : app_(std::make_unique<CLI::App>()) {
  app_->set_help_flag();  // each command prints its own usage text
  app_->allow_extras();   // reported below, in our words
  app_->positionals_at_end(false);
}

FlagParser::~FlagParser() = default;

FlagParser& FlagParser::Value(const std::string& name,
                              std::optional<std::string>* target) {
  app_->add_option_function<std::string>(
          name, [target](const std::string& value) { *target = value; })
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast)
      // "--collectors.enabled=" (nothing enabled) is a value.
      ->expected(1);
  return *this;
}

FlagParser& FlagParser::Switch(const std::string& names, bool* target) {
  app_->add_flag_callback(names, [target] { *target = true; });
  return *this;
}

Status FlagParser::Parse(const std::vector<std::string>& args,
                         const std::string& unknown_hint) {
  // CLI11 takes the arguments last first. CLI11 2.1 reads "--name=" as
  // "--name" and takes the next argument as its value; split, the empty
  // value is an argument of its own and kept.
  std::vector<std::string> reversed;
  for (auto it = args.rbegin(); it != args.rend(); ++it) {
    if (it->size() > 2 && it->rfind("--", 0) == 0 && it->back() == '=' &&
        it->find('=') == it->size() - 1) {
      reversed.emplace_back();
      reversed.push_back(it->substr(0, it->size() - 1));
    } else {
      reversed.push_back(*it);
    }
  }
  try {
    app_->parse(reversed);
  } catch (const CLI::ArgumentMismatch& e) {
    // "--name: 1 required TEXT missing" and the like: a value is missing.
    const std::string what = e.what();
    return Status::Error("flag " + what.substr(0, what.find(':')) +
                         " needs a value");
  } catch (const CLI::ParseError& e) {
    return Status::Error(e.what());
  }
  const std::vector<std::string> extra = app_->remaining();
  if (!extra.empty()) {
    return Status::Error("unknown flag " + FlagName(extra.front()) +
                         unknown_hint);
  }
  return Status::Ok();
}

}  // namespace entra_pta
