// PdfBoxSign signs a PDF with Apache PDFBox 2 and BouncyCastle, as a signer
// independent of Kho's (signing tests: TestForeignSignatures). It is
// compiled with javac during the test, against Debian's libpdfbox2-java,
// libbcprov-java and libbcpkix-java.
//
//   java PdfBoxSign sign KEYSTORE.p12 PASSWORD IN.pdf OUT.pdf
//       adds an approval signature (adbe.pkcs7.detached, SHA-256, signing
//       time and the signer's chain in the CMS) in an incremental update,
//       with PDFBox's own signature field and widget.
//   java PdfBoxSign edit IN.pdf OUT.pdf
//       appends a line of text to the first page's content in an
//       incremental update: a change after signing that no signature
//       allows.
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Calendar;
import java.util.Collections;
import java.util.List;

import org.apache.pdfbox.cos.COSArray;
import org.apache.pdfbox.cos.COSBase;
import org.apache.pdfbox.cos.COSName;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDPage;
import org.apache.pdfbox.pdmodel.PDPageContentStream;
import org.apache.pdfbox.pdmodel.font.PDType1Font;
import org.apache.pdfbox.pdmodel.interactive.digitalsignature.PDSignature;
import org.apache.pdfbox.pdmodel.interactive.digitalsignature.SignatureInterface;
import org.apache.pdfbox.pdmodel.interactive.digitalsignature.SignatureOptions;
import org.bouncycastle.cert.jcajce.JcaCertStore;
import org.bouncycastle.cms.CMSProcessableByteArray;
import org.bouncycastle.cms.CMSSignedData;
import org.bouncycastle.cms.CMSSignedDataGenerator;
import org.bouncycastle.cms.jcajce.JcaSignerInfoGeneratorBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;

public class PdfBoxSign {
    public static void main(String[] args) throws Exception {
        if (args.length == 5 && args[0].equals("sign")) {
            sign(args[1], args[2].toCharArray(), new File(args[3]), new File(args[4]));
        } else if (args.length == 3 && args[0].equals("edit")) {
            edit(new File(args[1]), new File(args[2]));
        } else {
            System.err.println("usage: PdfBoxSign sign KEYSTORE.p12 PASSWORD IN.pdf OUT.pdf | edit IN.pdf OUT.pdf");
            System.exit(2);
        }
    }

    static void sign(String keystore, char[] password, File in, File out) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream is = new FileInputStream(keystore)) {
            ks.load(is, password);
        }
        String alias = null;
        for (String a : Collections.list(ks.aliases())) {
            if (ks.isKeyEntry(a)) {
                alias = a;
                break;
            }
        }
        if (alias == null) {
            throw new IllegalArgumentException("no private key in " + keystore);
        }
        PrivateKey key = (PrivateKey) ks.getKey(alias, password);
        Certificate[] chain = ks.getCertificateChain(alias);
        X509Certificate cert = (X509Certificate) chain[0];
        String algorithm = key.getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256withRSA";

        SignatureInterface signer = content -> {
            try {
                List<Certificate> certs = new ArrayList<>();
                Collections.addAll(certs, chain);
                CMSSignedDataGenerator gen = new CMSSignedDataGenerator();
                ContentSigner cs = new JcaContentSignerBuilder(algorithm).build(key);
                gen.addSignerInfoGenerator(new JcaSignerInfoGeneratorBuilder(
                        new JcaDigestCalculatorProviderBuilder().build()).build(cs, cert));
                gen.addCertificates(new JcaCertStore(certs));
                CMSSignedData signed = gen.generate(new CMSProcessableByteArray(content.readAllBytes()), false);
                return signed.getEncoded();
            } catch (Exception e) {
                throw new java.io.IOException(e);
            }
        };

        try (PDDocument doc = PDDocument.load(in); OutputStream os = new FileOutputStream(out);
                SignatureOptions opts = new SignatureOptions()) {
            PDSignature sig = new PDSignature();
            sig.setFilter(PDSignature.FILTER_ADOBE_PPKLITE);
            sig.setSubFilter(PDSignature.SUBFILTER_ADBE_PKCS7_DETACHED);
            sig.setName(cert.getSubjectX500Principal().getName());
            sig.setReason("PDFBox test signature");
            sig.setSignDate(Calendar.getInstance());
            opts.setPreferredSignatureSize(32768);
            doc.addSignature(sig, signer, opts);
            doc.saveIncremental(os);
        }
    }

    static void edit(File in, File out) throws Exception {
        try (PDDocument doc = PDDocument.load(in); OutputStream os = new FileOutputStream(out)) {
            PDPage page = doc.getPage(0);
            try (PDPageContentStream cs = new PDPageContentStream(doc, page, PDPageContentStream.AppendMode.APPEND, false)) {
                cs.beginText();
                cs.setFont(PDType1Font.HELVETICA, 18);
                cs.newLineAtOffset(72, 700);
                cs.showText("Changed after signing");
                cs.endText();
            }
            // The page and the path to it are written again; the new
            // content stream with them.
            page.getCOSObject().setNeedToBeUpdated(true);
            COSBase contents = page.getCOSObject().getDictionaryObject(COSName.CONTENTS);
            if (contents instanceof COSArray) {
                ((COSArray) contents).setNeedToBeUpdated(true);
            }
            doc.getDocumentCatalog().getCOSObject().setNeedToBeUpdated(true);
            doc.getDocumentCatalog().getPages().getCOSObject().setNeedToBeUpdated(true);
            doc.saveIncremental(os);
        }
    }
}
