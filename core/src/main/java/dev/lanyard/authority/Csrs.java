package dev.lanyard.authority;

import dev.lanyard.internal.Certificates;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.RSAPrivateKey;
import org.bouncycastle.operator.ContentVerifierProvider;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;

/** Certificate signing requests and upstream CA checks for the authority. */
final class Csrs {
  private Csrs() {}

  /** The public key of a PKCS#10 request whose self-signature verifies; names in the request are ignored. */
  static PublicKey verifiedPublicKey(byte[] der) throws GeneralSecurityException {
    try {
      JcaPKCS10CertificationRequest csr = new JcaPKCS10CertificationRequest(new PKCS10CertificationRequest(der));
      PublicKey key = csr.getPublicKey();
      ContentVerifierProvider verifier = new JcaContentVerifierProviderBuilder().build(key);
      if (!csr.isSignatureValid(verifier)) {
        throw new GeneralSecurityException("the request's signature does not verify");
      }
      if (Certificates.keyTypeOf(key) == null) {
        throw new GeneralSecurityException("the request's key is not EC P-256 or RSA of at least 2048 bits");
      }
      return key;
    } catch (GeneralSecurityException e) {
      throw e;
    } catch (Exception e) {
      throw new GeneralSecurityException("not a PKCS#10 certificate signing request");
    }
  }

  /** The upstream key must sign for the upstream certificate, which must be a CA allowed to sign certificates. */
  static void checkUpstream(PrivateKey key, X509Certificate certificate) {
    if (certificate.getBasicConstraints() < 0) {
      throw new IllegalArgumentException("the upstream certificate is not a CA");
    }
    boolean[] usage = certificate.getKeyUsage();
    if (usage != null && (usage.length <= 5 || !usage[5])) {
      throw new IllegalArgumentException("the upstream certificate may not sign certificates (no keyCertSign)");
    }
    String algorithm = key instanceof ECPrivateKey ? "SHA256withECDSA"
        : key instanceof RSAPrivateKey ? "SHA256withRSA" : null;
    if (algorithm == null) {
      throw new IllegalArgumentException("the upstream key must be EC or RSA");
    }
    try {
      byte[] probe = new byte[32];
      Signature signer = Signature.getInstance(algorithm);
      signer.initSign(key);
      signer.update(probe);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance(algorithm);
      verifier.initVerify(certificate.getPublicKey());
      verifier.update(probe);
      if (!verifier.verify(signature)) {
        throw new IllegalArgumentException("the upstream key does not belong to the upstream certificate");
      }
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("the upstream key does not belong to the upstream certificate");
    }
  }
}
