#include "exporter/util/flag_parser.h"

#include <gtest/gtest.h>

namespace entra_pta {
namespace {

struct Parsed {
  std::optional<std::string> file, address;
  bool help = false;
  Status status = Status::Ok();
};

Parsed Parse(const std::vector<std::string>& args) {
  Parsed parsed;
  FlagParser parser;
  parser.Value("--config.file", &parsed.file)
      .Value("--web.listen-address", &parsed.address)
      .Switch("--help,-h", &parsed.help);
  parsed.status = parser.Parse(args, " (see --help)");
  return parsed;
}

TEST(FlagParserTest, DottedNamesWithEqualsOrSpace) {
  Parsed p = Parse({"--config.file", "a.yml", "--web.listen-address=:1"});
  ASSERT_TRUE(p.status.ok()) << p.status.message();
  EXPECT_EQ(p.file, "a.yml");
  EXPECT_EQ(p.address, ":1");
  EXPECT_FALSE(p.help);
  p = Parse({"--config.file=x=y", "-h"});
  ASSERT_TRUE(p.status.ok()) << p.status.message();
  EXPECT_EQ(p.file, "x=y");  // only the first '=' separates
  EXPECT_EQ(p.address, std::nullopt);
  EXPECT_TRUE(p.help);
}

TEST(FlagParserTest, EmptyValueAndLastOneWins) {
  Parsed p = Parse({"--config.file=", "--web.listen-address=:1",
                    "--web.listen-address", ":2"});
  ASSERT_TRUE(p.status.ok()) << p.status.message();
  EXPECT_EQ(p.file, "");
  EXPECT_EQ(p.address, ":2");
}

TEST(FlagParserTest, ErrorsNameTheFlag) {
  const std::pair<std::vector<std::string>, std::string> cases[] = {
      {{"--bogus"}, "unknown flag --bogus (see --help)"},
      {{"--bogus=1"}, "unknown flag --bogus (see --help)"},
      {{"--web.listen_address=:1"},
       "unknown flag --web.listen_address (see --help)"},
      {{"serve"}, "unknown flag serve (see --help)"},
      {{"--config.file"}, "flag --config.file needs a value"},
      {{"--web.listen-address"}, "flag --web.listen-address needs a value"},
  };
  for (const auto& [args, expected] : cases) {
    EXPECT_EQ(Parse(args).status.message(), expected) << args[0];
  }
}

}  // namespace
}  // namespace entra_pta
