// Builds the HL7 FHIR Validator's package cache offline (run by `validator fetch` as
// `java -cp '.cache/libs/*' BuildCache.java CACHE_FOLDER [ID#VERSION=PACKAGE.tgz ...]`).
//
// The npm registry does not serve hl7.fhir.r4.core, so the package is made here from HAPI's copy
// of the R4 (4.0.1) definitions on the classpath (hapi-fhir-validation-resources-r4: the XML
// bundles of the specification), one JSON file per resource, as the published package has them.
// The other packages are npm tarballs, added as given. Everything goes in through the
// validator's own FilesystemPackageCacheManager, which writes the indexes it reads back.

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.hl7.fhir.r4.formats.IParser.OutputStyle;
import org.hl7.fhir.r4.formats.JsonParser;
import org.hl7.fhir.r4.formats.XmlParser;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.utilities.npm.FilesystemPackageCacheManager;

public class BuildCache {
  static final String CORE = "hl7.fhir.r4.core";
  static final String VERSION = "4.0.1";
  static final String BASE = "/org/hl7/fhir/r4/model/";
  static final List<String> BUNDLES = List.of(
      "profile/profiles-types.xml",
      "profile/profiles-resources.xml",
      "profile/profiles-others.xml",
      "extension/extension-definitions.xml",
      "valueset/valuesets.xml",
      "valueset/v2-tables.xml",
      "valueset/v3-codesystems.xml",
      "sp/search-parameters.json");
  static final String PACKAGE_JSON = """
      {
        "name": "hl7.fhir.r4.core",
        "version": "4.0.1",
        "tools-version": 3,
        "type": "Core",
        "date": "20191030123500",
        "license": "CC0-1.0",
        "canonical": "http://hl7.org/fhir",
        "url": "http://hl7.org/fhir/R4",
        "title": "FHIR Core package",
        "description": "FHIR R4 (4.0.1) definitions, rebuilt from hapi-fhir-validation-resources-r4",
        "fhirVersions": ["4.0.1"],
        "dependencies": {},
        "author": "HL7 Inc"
      }
      """;

  public static void main(String[] args) throws IOException {
    if (args.length < 1) {
      throw new IllegalArgumentException("usage: BuildCache CACHE_FOLDER [ID#VERSION=FILE.tgz ...]");
    }
    Files.createDirectories(Path.of(args[0]));
    FilesystemPackageCacheManager cache =
        new FilesystemPackageCacheManager.Builder().withCacheFolder(args[0]).build();
    if (!cache.packageInstalled(CORE, VERSION)) {
      byte[] core = corePackage();
      cache.addPackageToCache(CORE, VERSION, new ByteArrayInputStream(core), "HAPI R4 resources");
    }
    for (int i = 1; i < args.length; i++) {
      String[] spec = args[i].split("=", 2);
      String[] name = spec[0].split("#", 2);
      if (spec.length != 2 || name.length != 2) {
        throw new IllegalArgumentException("expected ID#VERSION=FILE.tgz, got " + args[i]);
      }
      if (!cache.packageInstalled(name[0], name[1])) {
        try (InputStream tgz = Files.newInputStream(Path.of(spec[1]))) {
          cache.addPackageToCache(name[0], name[1], tgz, spec[1]);
        }
      }
    }
  }

  /** The package as a .tgz: package/package.json and package/<Type>-<id>.json per resource. */
  static byte[] corePackage() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    JsonParser json = new JsonParser();
    json.setOutputStyle(OutputStyle.NORMAL);
    int count = 0;
    try (TarArchiveOutputStream tar =
        new TarArchiveOutputStream(new GzipCompressorOutputStream(out))) {
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      add(tar, "package/package.json", PACKAGE_JSON.getBytes(StandardCharsets.UTF_8));
      for (String name : BUNDLES) {
        try (InputStream in = BuildCache.class.getResourceAsStream(BASE + name)) {
          if (in == null) {
            throw new IOException("not on the classpath: " + BASE + name);
          }
          Resource parsed = name.endsWith(".xml") ? new XmlParser().parse(in) : json.parse(in);
          for (Bundle.BundleEntryComponent entry : ((Bundle) parsed).getEntry()) {
            Resource resource = entry.getResource();
            String file = resource.fhirType() + "-" + resource.getIdElement().getIdPart() + ".json";
            add(tar, "package/" + file, json.composeBytes(resource));
            count++;
          }
        }
      }
    }
    System.err.println("BuildCache: " + CORE + "#" + VERSION + ", " + count + " resources");
    return out.toByteArray();
  }

  static void add(TarArchiveOutputStream tar, String name, byte[] data) throws IOException {
    TarArchiveEntry entry = new TarArchiveEntry(name);
    entry.setSize(data.length);
    tar.putArchiveEntry(entry);
    tar.write(data);
    tar.closeArchiveEntry();
  }
}
