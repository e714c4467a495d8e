// Emits N messages one by one with the SDK and prints the key of each acknowledged one, one
// per line (flushed), so that a test can act midway; failures go to standard error.
//   emit_through BASE_URL SECRET EVENT COUNT
#include <buildable/buildable.hpp>
#include <cstdlib>
#include <iostream>
#include <string>

int main(int argc, char** argv) {
  if (argc != 5) {
    std::cerr << "usage: emit_through BASE_URL SECRET EVENT COUNT\n";
    return 2;
  }
  buildable::ClientOptions options;
  options.base_url = argv[1];
  options.secret = argv[2];
  buildable::Client client(options);
  const int count = std::atoi(argv[4]);
  int failed = 0;
  for (int i = 0; i < count; ++i) {
    try {
      const auto result = client.emit(argv[3], {{"i", i}});
      std::cout << result.key << std::endl;
    } catch (const buildable::Error& e) {
      ++failed;
      std::cerr << "emit " << i << " failed: " << e.what() << "\n";
    }
  }
  std::cerr << "emit_through: " << count - failed << " acknowledged, " << failed << " failed\n";
  return 0;
}
